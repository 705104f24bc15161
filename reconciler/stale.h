/* What the previous container left in the hermes homes (cont-init.d 016), run as the hermes user. */
#ifndef HR_STALE_H
#define HR_STALE_H

/*
 * For the home (profile default) and every directory of home/profiles: print "NAME STATE" on
 * stdout, STATE being its gateway_state.json's desired_state, else gateway_state ("none" without
 * the file, "unknown" when it is not a small regular JSON file), then remove its gateway.pid and
 * processes.json. 0 done; 1 something could not be read or removed (said on stderr); 111 failure.
 */
int stale_sweep(char const *home);

#endif
