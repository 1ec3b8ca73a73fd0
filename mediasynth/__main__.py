from mediasynth.cli import run

run()
