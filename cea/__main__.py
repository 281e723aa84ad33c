from cea.cli import app

app()
