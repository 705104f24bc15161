/* autostart = state: does <home>/gateway_state.json say the gateway is up? (SPEC 5) */
#ifndef HR_STATE_H
#define HR_STATE_H

#include <stddef.h>

/* Pure: 1 if the JSON text says up; 0 for anything else, malformed text included. */
int state_says_up(char const *json, size_t len);
/* 1 if home's gateway_state.json says up; 0 otherwise (missing or unreadable included). */
int state_home_says_up(char const *home);

#endif
