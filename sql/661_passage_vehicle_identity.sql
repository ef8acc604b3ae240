-- The vehicle a passage was resolved to at ingest (ingest/service/vehicle-identity.ts):
-- 'vehicle:<vehicles.id>' for a registered vehicle (by its tag or its plate), 'plate:<plate>' for an
-- unregistered plate (an unregistered tag read with a plate included), else the tag id. Antenna
-- duplicate removal and daily settlement group by it, so tag reads and plate-only reads of one car
-- are one vehicle. Null on passages stored before: they keep their old key (tag, else 'plate:' plate).
--
-- identity_conflict: a registered tag read with a plate registered to another vehicle; the tag
-- decided, the passage is listed for review (GET /v1/passages?identityConflict=true). Null = false,
-- so only conflicts are indexed.
alter table passages add column vehicle_key text;
alter table passages add column identity_conflict boolean;
create index passages_identity_conflict_idx on passages (ts) where identity_conflict;
