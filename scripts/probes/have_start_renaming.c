/* start_renaming() looks up and locks both names of a rename; lock_rename() is gone (7.x). */
#include <linux/fs.h>
#include <linux/namei.h>

int probe(struct renamedata *rd, struct qstr *old_last, struct qstr *new_last)
{
	return start_renaming(rd, 0, old_last, new_last);
}
