from loadwatch.cli.main import main

main()
