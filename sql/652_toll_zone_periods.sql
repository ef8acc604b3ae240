-- Toll zones with validity periods: the zone each gantry id is charged under each non-draft tariff, for
-- the period where both the tariff and a network version with that id are in force. A tariff prices
-- the gantries of its network version; another version's id of the same site (renumbered or moved,
-- sql/650) takes that zone, as the tariff catalog does. "Which zone priced 01F0153S on 2024-05-07":
--   select * from toll_zone_periods where gantry_id = '01F0153S' and '2024-05-07 08:00+08' >= valid_from and '2024-05-07 08:00+08' < valid_to
create view toll_zone_periods as
  select t.id as tariff_id, t.code, t.version as tariff_version, t.network_version as tariff_network_version,
         n.version as network_version, n.id as gantry_id, n.site, z.gantry_id as zone_gantry_id, z.zone_km_tenths,
         greatest(t.effective_from, p.valid_from) as valid_from,
         least(coalesce(t.effective_to, 'infinity'::timestamptz), p.valid_to) as valid_to
    from tariffs t
    join network_gantries tg on tg.version = t.network_version
    join tariff_zones z on z.tariff_id = t.id and z.gantry_id = tg.id
    join network_gantries n on n.site = tg.site
    join network_version_periods p on p.code = n.version
   where t.status <> 'draft'
     and greatest(t.effective_from, p.valid_from) < least(coalesce(t.effective_to, 'infinity'::timestamptz), p.valid_to);
