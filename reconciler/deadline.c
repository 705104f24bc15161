#include <time.h>

#include "deadline.h"

long long deadline_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void deadline_backoff(unsigned int *step)
{
  struct timespec ts = { 0, 250000L << *step };
  if (*step < 6) (*step)++;
  nanosleep(&ts, 0);
}
