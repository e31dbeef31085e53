# Thin wrappers around tasks.py, which bootstraps its own virtual environment.
.PHONY: demo test lint lock
demo:
	python3 tasks.py demo
test:
	python3 tasks.py test
lint:
	python3 tasks.py lint
lock:
	python3 tasks.py lock
