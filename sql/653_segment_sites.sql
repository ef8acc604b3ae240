-- A segment's history across renumberings: every version's segment with the sites of its two
-- gantries (sql/650) and the version's period. Joined with segment_stats on the ids and the bucket in
-- the period, the rows of one site pair are one segment's history, whatever its ids were:
--   select st.* from segment_stats st join segment_sites s on s.from_gantry = st.from_gantry and s.to_gantry = st.to_gantry
--     and st.bucket >= s.valid_from and st.bucket < s.valid_to where s.from_site = '01F0213N' and s.to_site = '01F0155N'
create view segment_sites as
  select s.version, s.from_gantry, s.to_gantry, s.kind, f.site as from_site, t.site as to_site, p.valid_from, p.valid_to
    from network_segments s
    join network_gantries f on f.version = s.version and f.id = s.from_gantry
    join network_gantries t on t.version = s.version and t.id = s.to_gantry
    join network_version_periods p on p.code = s.version;
