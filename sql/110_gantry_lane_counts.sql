-- Per gantry, lane and 5 minutes: what the gantry dashboard shows (passages by lane, plate-only
-- share, plate-read confidence). The ingest adds to it in the same transaction as the passages.
-- Passages have no per-gantry index (sql/100: a (gantry_id, ts) b-tree cost ~1.3 µs a row, a third
-- of the write rate), so a per-gantry time range over passages would read every gantry's rows.
create table gantry_lane_counts (
  bucket          timestamptz not null,
  gantry_id       text not null,
  lane            smallint not null,                            -- -1: the reader gave no lane
  passages        integer not null check (passages >= 0),
  plate_only      integer not null check (plate_only >= 0),     -- passages without a tag
  plate_reads     integer not null check (plate_reads >= 0),    -- passages with a plate confidence
  plate_conf_sum  double precision not null default 0,          -- sum of those confidences
  primary key (bucket, gantry_id, lane)
);

-- Passages stored before this table existed.
insert into gantry_lane_counts (bucket, gantry_id, lane, passages, plate_only, plate_reads, plate_conf_sum)
select date_bin('5 minutes', ts, timestamptz '1970-01-01 00:00:00+00'), gantry_id, coalesce(lane, -1),
       count(*), count(*) filter (where tag_id is null), count(plate_confidence), coalesce(sum(plate_confidence), 0)
  from passages group by 1, 2, 3;
