/* struct renamedata names the mounts' id mappings old_mnt_idmap/new_mnt_idmap (6.3 to 6.x). */
#include <linux/fs.h>
#include <linux/mnt_idmapping.h>

void probe(struct renamedata *rd, struct mnt_idmap *idmap)
{
	rd->old_mnt_idmap = idmap;
	rd->new_mnt_idmap = idmap;
}
