from repwatch.cli import main

main()
