import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")

application = get_wsgi_application()

# A server must not start with a short or published SECRET_KEY (railconnect.E001): under gunicorn
# the worker fails to boot and the arbiter exits with the message.
from railconnect.checks import refuse_unsafe_start  # noqa: E402  (needs the apps loaded above)

refuse_unsafe_start()
