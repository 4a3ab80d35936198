# One module per part of the triangle; Django finds the models through this package.
from care.models.continuity import *  # noqa: F403
from care.models.feedback import *  # noqa: F403
from care.models.groups import *  # noqa: F403
from care.models.help import *  # noqa: F403
from care.models.peers import *  # noqa: F403
from care.models.waiting import *  # noqa: F403
