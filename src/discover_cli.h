/* `xlat64 discover`: the NAT64 prefix a CLAT on this host would use, and where it came from. */
#ifndef XLAT64_DISCOVER_CLI_H
#define XLAT64_DISCOVER_CLI_H

/* argv[0] is "discover". Prints prefix, length, lifetime and source (a table, or JSON with --json).
 * Returns the exit status: 0 a prefix was found, 1 none, 2 usage error. */
int discover_cli(int argc, char **argv);

#endif
