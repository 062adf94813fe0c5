/* Counter names and explanations, generated from STATS_LIST. */
#include "stats.h"

static const char *const names[STAT_MAX] = {
#define STATS_NAME(n, d) #n,
	STATS_LIST(STATS_NAME)
#undef STATS_NAME
};

static const char *const explanations[STAT_MAX] = {
#define STATS_EXPLAIN(n, d) d,
	STATS_LIST(STATS_EXPLAIN)
#undef STATS_EXPLAIN
};

const char *stats_name(enum stat_id id)
{
	return id < STAT_MAX ? names[id] : "UNKNOWN";
}

const char *stats_explain(enum stat_id id)
{
	return id < STAT_MAX ? explanations[id] : "";
}
