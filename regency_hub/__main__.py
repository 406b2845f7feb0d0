from regency_hub.cli import main

raise SystemExit(main())
