/* Shrinkers are allocated by the core, with private data and a name (6.7 and later). */
#include <linux/fs.h>
#include <linux/shrinker.h>

struct shrinker *probe(void *data)
{
	struct shrinker *s = shrinker_alloc(0, "probe-%d", 1);

	if (s)
		s->private_data = data;
	return s;
}
