#include <string.h>

#include <s6/servicedir.h>

#include "hr.h"
#include "slot.h"

char *slot_name(char const *profile)
{
  return hr_concat(HR_SLOT_PREFIX, profile);
}

char const *slot_profile(char const *slot)
{
  size_t n = sizeof HR_SLOT_PREFIX - 1;
  return strncmp(slot, HR_SLOT_PREFIX, n) || !slot[n] ? 0 : slot + n;
}

char const *slot_optional_file(size_t *i)
{
  for (s6_servicedir_desc const *d; (d = s6_servicedir_file_list + *i)->name;) {
    ++*i;
    if (d->type != S6_FILETYPE_DIR && !(d->options & S6_SVFILE_MANDATORY)) return d->name;
  }
  return 0;
}
