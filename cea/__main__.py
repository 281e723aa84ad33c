from cea.console import main

main()
