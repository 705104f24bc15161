#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fsutil.h"
#include "hr.h"
#include "state.h"

#define STATE_FILE "gateway_state.json"
#define STATE_MAX 65536

int state_says_up(char const *json, size_t len)
{
  static char const *const up[] = { "running", "draining", "degraded" };
  json_tokener *tok = json_tokener_new();
  if (!tok) return 0;
  json_object *o = json_tokener_parse_ex(tok, json, (int)len);
  int complete = json_tokener_get_error(tok) == json_tokener_success
                 && json_tokener_get_parse_end(tok) == len;
  json_tokener_free(tok);
  int r = 0;
  json_object *v = 0;
  if (complete && json_object_is_type(o, json_type_object)) {
    if (!json_object_object_get_ex(o, "desired_state", &v)) json_object_object_get_ex(o, "gateway_state", &v);
    if (v && json_object_is_type(v, json_type_string)) {
      char const *s = json_object_get_string(v);
      for (size_t i = 0; i < sizeof up / sizeof *up; i++) if (!strcmp(s, up[i])) r = 1;
    }
  }
  json_object_put(o);
  return r;
}

/*
 * The hermes user owns the home and this file (SPEC 11.2, 11.4): the home is opened without
 * following a final link, the file relative to it without following one either, never blocking
 * (a FIFO), and only a regular file no larger than STATE_MAX is read.
 */
int state_home_says_up(char const *home)
{
  struct stat st;
  int hfd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (hfd < 0) return 0;
  int fd = fs_open_typed(hfd, STATE_FILE, O_RDONLY, S_IFREG, &st);
  close(hfd);
  if (fd < 0) return 0;
  if (st.st_size >= STATE_MAX) {
    close(fd);
    return 0;
  }
  char *buf = hr_alloc(STATE_MAX);
  ssize_t n = fs_read_sized(fd, &st, buf, STATE_MAX);
  close(fd);
  int r = n > 0 && n < STATE_MAX ? state_says_up(buf, (size_t)n) : 0;
  free(buf);
  return r;
}
