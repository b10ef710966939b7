from oo.cli import main

main()
