/*-------------------------------------------------------------------------
 * fold.c
 *	  Fold a chunk's events into one in-memory entry per table key, then
 *	  hand the entries back in key order (see fold.h).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fold.h"

HTAB *
jimo_fold_create(const char *name, Size keysize, Size entrysize, long nelem)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, Max(nelem, 16), &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void **
jimo_fold_sorted(HTAB *fold, int (*cmp) (const void *, const void *), long *n)
{
	HASH_SEQ_STATUS seq;
	void	  **sorted;
	void	   *entry;
	long		i = 0;

	*n = hash_get_num_entries(fold);
	if (*n == 0)
		return NULL;
	sorted = palloc(sizeof(void *) * *n);
	hash_seq_init(&seq, fold);
	while ((entry = hash_seq_search(&seq)) != NULL)
		sorted[i++] = entry;
	qsort(sorted, *n, sizeof(void *), cmp);
	return sorted;
}
