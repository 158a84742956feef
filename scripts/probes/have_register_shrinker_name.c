/* register_shrinker() takes a name for debugfs (6.0 to 6.6). */
#include <linux/fs.h>
#include <linux/shrinker.h>

int probe(struct shrinker *s)
{
	return register_shrinker(s, "probe-%d", 1);
}
