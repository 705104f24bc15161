/* The image's choice of the hermes volume for profile files (HERMES_PROFILES_ON_VOLUME): as root, on descriptors. */
#ifndef HR_VOLUME_H
#define HR_VOLUME_H

/*
 * Make the config dir dir (/etc/hermes/profiles.d) the link target (../../opt/data/profiles.d),
 * through a descriptor of its parent, which must be root's and writable by root alone: an empty
 * directory there (hermes's since the boot gave it the config dir) is removed and the link made in
 * its place; a link to target is left as it is; anything else (a link elsewhere, a mount, a directory
 * holding files, another type) is used as it is, and said. No link is followed and nothing below
 * the parent is opened, written or listed: what the hermes user can change there is only looked at.
 * Says what it did on stderr, and prints "new" on stdout when the config dir is now, or was already, the link (the volume's
 * profiles.d is then seeded if it is made), "kept" otherwise. 0 done; 1 refused; 111 failure.
 */
int volume_link_config_dir(char const *dir, char const *target);

#endif
