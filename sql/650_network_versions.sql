-- Network versions: the road network as it was on any date. A version holds its whole gantry list,
-- its road segments (mainline chains per freeway and direction, plus the other gantry pairs the
-- Bureau publishes, e.g. junctions and U-turns) and is valid from its valid_from until the next
-- version's. A gantry that was renumbered or moved names its predecessor (the id at the same site
-- in the version before), and every gantry carries the site id of the first gantry in that chain,
-- so a segment's history survives a new id. gantries / road_segments (001) stay the CURRENT network
-- (apply_current_network), so current-date queries are unchanged.

create table network_versions (
  code        text primary key,
  valid_from  timestamptz not null unique,
  note        text not null default '',
  created_at  timestamptz not null default now()
);

create table network_gantries (
  version       text not null references network_versions (code) on delete cascade,
  id            text not null,
  road_id       text not null,
  road_name     text not null,
  freeway       text not null,
  direction     text not null check (direction in ('N', 'S', 'E', 'W')),
  location_mile text,
  km            numeric(7, 1) not null,
  lat           double precision,
  lon           double precision,
  section_start text,
  section_end   text,
  predecessor   text,                 -- id at the same site in the previous version (renumbered or moved)
  site          text not null,        -- id of the first gantry of the predecessor chain
  primary key (version, id)
);
create index network_gantries_id_idx on network_gantries (id);

create table network_segments (
  version       text not null references network_versions (code) on delete cascade,
  from_gantry   text not null,
  to_gantry     text not null,
  freeway       text not null,
  direction     text not null,
  length_km     numeric(7, 1) check (length_km > 0),    -- null for links (no chain length)
  free_flow_kmh numeric(5, 1) not null default 100,
  kind          text not null check (kind in ('mainline', 'link')),  -- link: a published pair off the chain
  primary key (version, from_gantry, to_gantry),
  check ((kind = 'mainline') = (length_km is not null)),
  foreign key (version, from_gantry) references network_gantries (version, id) on delete cascade,
  foreign key (version, to_gantry) references network_gantries (version, id) on delete cascade
);

-- Each version with its period [valid_from, valid_to).
create view network_version_periods as
  select code, valid_from, coalesce(lead(valid_from) over (order by valid_from), 'infinity'::timestamptz) as valid_to, note
    from network_versions;

-- Segments with the period of their version: join with `bucket >= valid_from and bucket < valid_to`.
create view network_segment_periods as
  select s.*, p.valid_from, p.valid_to
    from network_segments s join network_version_periods p on p.code = s.version;

-- Gantry aliases: old id -> new id, from the date the new id took over.
create view gantry_aliases as
  select g.predecessor as old_id, g.id as new_id, g.site, p.valid_from, g.version
    from network_gantries g join network_version_periods p on p.code = g.version
   where g.predecessor is not null and g.predecessor <> g.id;

create function network_version_at(at timestamptz) returns text
language sql stable as $$
  select code from network_versions where valid_from <= at order by valid_from desc limit 1
$$;

-- Makes gantries / road_segments the network in force now: new gantries are added, gantries that
-- left the network stay as rows (keys and passages refer to them) with active = false.
create function apply_current_network() returns text
language plpgsql as $$
declare
  v text := network_version_at(now());
begin
  if v is null then
    return null;
  end if;
  insert into gantries (id, road_id, road_name, freeway, direction, location_mile, km, lat, lon, section_start, section_end, active)
  select id, road_id, road_name, freeway, direction, location_mile, km, lat, lon, section_start, section_end, true
    from network_gantries where version = v
  on conflict (id) do update set road_id = excluded.road_id, road_name = excluded.road_name, freeway = excluded.freeway,
    direction = excluded.direction, location_mile = excluded.location_mile, km = excluded.km, lat = excluded.lat,
    lon = excluded.lon, section_start = excluded.section_start, section_end = excluded.section_end, active = true
  where (gantries.road_id, gantries.road_name, gantries.freeway, gantries.direction, gantries.location_mile, gantries.km,
         gantries.lat, gantries.lon, gantries.section_start, gantries.section_end, gantries.active)
        is distinct from
        (excluded.road_id, excluded.road_name, excluded.freeway, excluded.direction, excluded.location_mile, excluded.km,
         excluded.lat, excluded.lon, excluded.section_start, excluded.section_end, true);
  update gantries set active = false
   where active and not exists (select 1 from network_gantries n where n.version = v and n.id = gantries.id);
  delete from road_segments r
   where not exists (select 1 from network_segments s where s.version = v and s.kind = 'mainline'
                       and s.from_gantry = r.from_gantry and s.to_gantry = r.to_gantry);
  insert into road_segments (from_gantry, to_gantry, freeway, direction, length_km, free_flow_kmh)
  select from_gantry, to_gantry, freeway, direction, length_km, free_flow_kmh
    from network_segments where version = v and kind = 'mainline'
  on conflict (from_gantry, to_gantry) do update set freeway = excluded.freeway, direction = excluded.direction,
    length_km = excluded.length_km, free_flow_kmh = excluded.free_flow_kmh
  where (road_segments.freeway, road_segments.direction, road_segments.length_km, road_segments.free_flow_kmh)
        is distinct from (excluded.freeway, excluded.direction, excluded.length_km, excluded.free_flow_kmh);
  return v;
end
$$;

-- The ingest accepts and prices reads at the gantries of every version: a new version reloads it (601).
create trigger network_versions_reference_version after insert or update or delete or truncate on network_versions
  for each statement execute function bump_ingest_reference_version();
create trigger network_gantries_reference_version after insert or update or delete or truncate on network_gantries
  for each statement execute function bump_ingest_reference_version();
