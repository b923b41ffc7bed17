/*-------------------------------------------------------------------------
 * layout.c
 *	  The layout of jimo.events that ingest writes for, learned once per
 *	  backend and forgotten when the table changes.
 *
 * Ingest's statements depend on a few facts about the schema.  A database
 * still at an older version lacks the columns later versions added
 * (jimo.events.jimer_key in 0.4, jimo.experiences.event_type in 0.10): a new
 * library runs against it until ALTER EXTENSION UPDATE.  And once
 * jimo.distribute() has made jimo.events a Citus distributed table, a few
 * statements take another form (see store.c, columns.c, rollups.c).  They
 * change only by DDL on those tables, which invalidates their relation cache
 * entries in every backend; this module listens for that and looks again at
 * the next call, so a
 * session opened before an upgrade or jimo.distribute() (the receiver's
 * connections) switches over without a restart.  Prepared statements are
 * tagged with the generation they were built for and rebuilt when it moves.
 *
 * Citus is asked nothing through its own API: a distributed table is one
 * that has a row in pg_dist_partition, Citus' catalog, read only when the
 * citus extension exists in this database.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "layout.h"

static JimoLayout layout = {false, false, false, 0};
static bool layout_valid = false;
static Oid	layout_events_relid = InvalidOid;
static Oid	layout_experiences_relid = InvalidOid;
static bool callback_registered = false;

static void
forget_layout(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == layout_events_relid ||
		relid == layout_experiences_relid)
		layout_valid = false;
}

/* has Citus' catalog a row for this relation? */
static bool
citus_distributed(Oid relid)
{
	Oid			dist_partition;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	dist_partition = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	if (!OidIsValid(dist_partition))
		return false;
	rel = table_open(dist_partition, AccessShareLock);
	/* logicalrelid is the first column of pg_dist_partition */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

const JimoLayout *
jimo_layout(void)
{
	Oid			nsp;
	Oid			relid;
	Oid			experiences;
	bool		jimer_key;
	bool		event_type;
	bool		distributed;

	if (layout_valid)
		return &layout;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_layout, (Datum) 0);
		callback_registered = true;
	}
	nsp = get_namespace_oid("jimo", false);
	relid = get_relname_relid("events", nsp);
	jimer_key = OidIsValid(relid) &&
		get_attnum(relid, "jimer_key") != InvalidAttrNumber;
	distributed = OidIsValid(relid) && citus_distributed(relid);
	experiences = get_relname_relid("experiences", nsp);
	event_type = OidIsValid(experiences) &&
		get_attnum(experiences, "event_type") != InvalidAttrNumber;

	layout_events_relid = relid;
	layout_experiences_relid = experiences;
	if (jimer_key != layout.jimer_key || distributed != layout.distributed ||
		event_type != layout.event_type || layout.generation == 0)
	{
		layout.jimer_key = jimer_key;
		layout.event_type = event_type;
		layout.distributed = distributed;
		layout.generation++;
	}
	layout_valid = true;
	return &layout;
}
