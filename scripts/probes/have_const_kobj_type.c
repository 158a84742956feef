/* kobject_init_and_add() takes a const struct kobj_type (6.2; Debian 6.1 has it). */
#include <linux/kobject.h>

static const struct kobj_type probe_ktype;

int probe(struct kobject *kobj)
{
	return kobject_init_and_add(kobj, &probe_ktype, NULL, "probe");
}
