/*-------------------------------------------------------------------------
 * subxact.c
 *	  Run a piece of work in a subtransaction of its own.
 *
 * What one body's content can break (parsing it, writing its rows) runs in
 * a subtransaction, so that the failure is rolled back alone and the caller
 * decides what it means: a rejected body, a chunk to split, a race to
 * settle by another path.  This is the pattern of PL/pgSQL's exception
 * blocks: the caller's memory context and resource owner are restored
 * whichever way the subtransaction ends.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/resowner.h"

#include "subxact.h"

/*
 * Run work(arg) in a subtransaction.  Returns true when it returned true
 * and the subtransaction committed.  Otherwise it was rolled back, and
 * returns false with *error NULL (work returned false) or a copy of the
 * error it raised, in the caller's memory context, the error state
 * cleared: the caller rethrows it (ReThrowError) or frees it.
 */
bool
jimo_subxact(JimoSubxactWork work, void *arg, ErrorData **error)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool done = false;

	*error = NULL;
	BeginInternalSubTransaction(NULL);
	/* what the work allocates belongs to the caller, not the subtransaction */
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		done = work(arg);
		if (done)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		*error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		done = false;
	}
	PG_END_TRY();
	return done;
}
