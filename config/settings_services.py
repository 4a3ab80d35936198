"""Settings of the service directory (``services``). Star-imported by ``config.settings``."""

from urllib.parse import urlsplit

from config.env import env_int, env_str
from config.settings_security import CONTENT_SECURITY_POLICY

# The map's tiles: any XYZ tile server; the default is OpenStreetMap's own (its tile usage
# policy asks for light use; a municipality with more traffic points this at its own server).
SERVICES_TILE_URL = env_str("SERVICES_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
SERVICES_TILE_ATTRIBUTION = env_str(
    "SERVICES_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
# The origin the Content-Security-Policy lets images come from (config.settings_security).
SERVICES_TILE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(SERVICES_TILE_URL.replace("{s}", "a")))
# The municipality's centre: where distances are measured from for an SMS sender with no unit
# coordinates (a stranger, or a unit not placed yet), as "latitude,longitude".
SERVICES_MUNICIPALITY_CENTRE = env_str("SERVICES_MUNICIPALITY_CENTRE", "59.9127,10.7461")
# Named places a person may pick instead of sharing a position: "key|name|lat,lon;…".
SERVICES_PLACES = env_str(
    "SERVICES_PLACES",
    "sentrum|Sentrum|59.9127,10.7461;nord|Nordbyen|59.9390,10.7590;"
    "ost|Østbyen|59.9150,10.7950;sor|Sørbyen|59.8800,10.7800;vest|Vestbyen|59.9250,10.7000",
)
# INFO by SMS: questions one number may ask per hour (counted in the "limits" cache).
SERVICES_INFO_SMS_PER_HOUR = env_int("SERVICES_INFO_SMS_PER_HOUR", 6, minimum=1)
# An entry not verified for this many days is flagged to coordinators.
SERVICES_VERIFY_DAYS = env_int("SERVICES_VERIFY_DAYS", 183, minimum=1)

# The directory's map draws tiles from the tile server named above, and from nowhere else.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += [SERVICES_TILE_ORIGIN]
