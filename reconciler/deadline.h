/* Waiting for s6 without fixed sleeps: a monotonic clock in milliseconds and a bounded backoff. */
#ifndef HR_DEADLINE_H
#define HR_DEADLINE_H

long long deadline_now_ms(void);
/* Sleep between two polls: 0.25 ms, doubling at each call up to 16 ms. *step starts at 0. */
void deadline_backoff(unsigned int *step);

#endif
