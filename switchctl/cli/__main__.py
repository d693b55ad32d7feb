import sys

from switchctl.cli import main

sys.exit(main())
