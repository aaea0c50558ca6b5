from mock_infobip.cli import main

main()
