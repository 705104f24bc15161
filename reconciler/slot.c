#include <string.h>

#include "hr.h"
#include "slot.h"

char *slot_name(char const *profile)
{
  return hr_asprintf(HR_SLOT_PREFIX "%s", profile);
}

char const *slot_profile(char const *slot)
{
  size_t n = sizeof HR_SLOT_PREFIX - 1;
  return strncmp(slot, HR_SLOT_PREFIX, n) || !slot[n] ? 0 : slot + n;
}

char const *const slot_optional_files[] = {
  "notification-fd", "timeout-finish", "timeout-kill", "down-signal", "max-death-tally",
};
size_t const slot_noptional_files = sizeof slot_optional_files / sizeof *slot_optional_files;
