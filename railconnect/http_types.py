"""Request types for annotations (django-stubs' documented pattern): at run time these are plain
HttpRequests; a view behind a login check declares it receives an AuthenticatedHttpRequest, whose
user is a signed-in User rather than User | AnonymousUser."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    user: User
