from dataops.cli import main

raise SystemExit(main())
