"""Bounds of the magnitudes of a scenario's keys, each with its reason; the tables' fields name them in
``spec(ge=..., le=...)``.

Upper bounds of magnitudes. Each is far beyond any real sector, so no meaningful scenario meets it, and
each keeps the model's arithmetic finite (Poisson draws, sums of weights, route costs) and a run's size
within reach. The schema refuses values beyond them with the key named.
"""

from __future__ import annotations

from sim.schema import MAX_RUN_DAYS

#: Largest grid accepted, in cells: refused before anything is allocated (about 100 MB of layers).
MAX_CELLS = 4_000_000

#: Shortest model step (min): detection is integrated within a step, so shorter steps change nothing but
#: the run time (a one-minute step already makes 1,440 steps a simulated day).
MIN_STEP_MINUTES = 1.0
#: Longest run and any duration in days: ten years (the longest ``--days``).
MAX_DAYS = MAX_RUN_DAYS
#: Any duration in hours: ten years.
MAX_HOURS = MAX_DAYS * 24.0
#: Map extents and spatial spreads (km): longer than the longest land border modelled as one sector
#: (Canada-United States, 8,891 km, is the longest of all; Mexico-United States 3,145 km).
MAX_EXTENT_KM = 5000.0
#: Deepest border zone (km): the United States' 100-mile enforcement zone is 160 km deep.
MAX_ZONE_KM = 200.0
#: Elevations (m): from below the Dead Sea shore (-430 m) to above Everest (8,849 m).
MIN_ELEVATION_M, MAX_ELEVATION_M = -500.0, 9000.0
#: Detection and trail-loss hazards (per hour): at 1,000 an hour the expected time to the event is 3.6
#: seconds, far within any step; higher rates are the same as certainty.
MAX_RATE_PER_HOUR = 1000.0
#: Death hazard on foot (per person-hour): 1 an hour kills 63 % of people within the hour.
MAX_HAZARD_PER_HOUR = 1.0
#: Victims recruited in a day, or people through a tunnel in a day: ten thousand is an order of magnitude
#: above the largest irregular flows recorded across a whole border (about 10,000 encounters a day at the
#: Mexico-United States border at its 2023 peak), and every victim is an agent.
MAX_PEOPLE_PER_DAY = 10_000.0
#: Legitimate vehicles an hour at one port: the busiest land port (San Ysidro) handles about 70,000
#: northbound vehicles a day over some 25 lanes, about 3,000 an hour at the peak.
MAX_VEHICLES_PER_HOUR = 5000.0
#: Mean travellers per vehicle: a full coach carries about 50 to 80.
MAX_TRAVELLERS_PER_VEHICLE = 100.0
#: Secondary inspection of one vehicle (min): a day, beyond which the vehicle is impounded, not inspected.
MAX_INSPECTION_MINUTES = 1440.0
#: Relative weight of a staging area or destination: a ratio beyond 1,000 to 1 is a place left out.
MAX_WEIGHT = 1000.0
#: Mast height (m): aerostats fly their radars at up to about 4,600 m.
MAX_MAST_HEIGHT_M = 5000.0
#: Sensor range (m): the longest-range aerostat radars see about 370 km (low-flying aircraft).
MAX_SENSOR_RANGE_M = 500_000.0
#: A patrol's detection range (m): thermal imagers on vehicles see people at some 10-20 km.
MAX_PATROL_RANGE_M = 50_000.0
#: Any cost item (currency): a trillion, above the annual budget of any border agency (US Customs and
#: Border Protection, about 2e10 dollars a year).
MAX_COST = 1e12
#: Service life of a sensor (years): a century.
MAX_LIFETIME_YEARS = 100.0
#: Multipliers (tech-tier factors, road detour): ten times the standard.
MAX_FACTOR = 10.0
#: Weight of detection risk in route costs (h per expected detection): ten thousand hours, over a year of
#: walking, traded for one expected detection.
MAX_RISK_AVERSION = 10_000.0
#: Weight of the exposure hazard in route costs (h per expected death): the terrain's hazards are 1e-6 to
#: 3e-4 an hour, so a million makes the deadliest ground cost hundreds of hours; more changes little.
MAX_HARDSHIP_AVERSION = 1e6
#: Logit sharpness (1/h): at 100 an hour a crossing six minutes dearer is chosen e^10 times less often, as
#: good as always the cheapest.
MAX_LOGIT_BETA = 100.0
#: Pseudo-observations of a network's priors: a prior worth a thousand trips never moves within a run.
MAX_PRIOR = 1000.0
#: Investigators of one agency.
MAX_INVESTIGATORS = 10_000
#: Pretrial detention places: a million, above the whole prison population of most countries.
MAX_DETENTION_PLACES = 1_000_000
#: Mean sentence (years): a life sentence.
MAX_SENTENCE_YEARS = 100.0
#: Time served as a share of the sentence: ten times the sentence.
MAX_TIME_SERVED_SHARE = 10.0
#: Slowest speed of anyone moving (km/h): 100 m an hour; slower is standing still, and a speed that small
#: times a terrain factor would underflow to zero and cut routes the land allows.
MIN_SPEED_KMH = 0.1
#: Slowest wading speed factor in the border river: 1 % of the speed on open flat ground.
MIN_SPEED_FACTOR = 0.01
#: Shortest service life of a sensor (years): about a month; capital costs are spread over it.
MIN_LIFETIME_YEARS = 0.1
#: Shortest secondary inspection of a vehicle (min): six seconds.
MIN_INSPECTION_MINUTES = 0.1
#: Fastest walking speed factor of a land cover, relative to open flat ground (roads are 1.2).
MAX_SPEED_FACTOR = 3.0
