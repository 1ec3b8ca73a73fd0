import sys

from mediasynth.cli import main

sys.exit(main())
