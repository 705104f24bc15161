/* logs/container-boot.log (SPEC 12.8), appended to as the hermes user (cont-init.d 03). */
#ifndef HR_BOOTLOG_H
#define HR_BOOTLOG_H

/* Rotated to container-boot.log.1 once it is past this size. */
#define BOOTLOG_ROTATE 262144
/* At most this much of stdin is logged per boot. */
#define BOOTLOG_MAX 65536

/*
 * Append stdin (at most BOOTLOG_MAX bytes, cut at the last full line) to home/logs/
 * container-boot.log, made if missing, rotated past BOOTLOG_ROTATE. Whatever is in the log's place
 * that is not a regular file (a FIFO, a link, a device) is removed and said so. 0 done; 1 refused
 * (said); 111 failure.
 */
int bootlog_append(char const *home);

#endif
