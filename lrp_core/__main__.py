import sys

from lrp_core.cli import main

sys.exit(main())
