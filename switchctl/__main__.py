import sys

from switchctl.entry import main

sys.exit(main())
