"""The one security header Django does not set itself: Permissions-Policy.

Everything else comes from Django: CSP (ContentSecurityPolicyMiddleware, SECURE_CSP), HSTS,
Referrer-Policy, Cross-Origin-Opener-Policy and nosniff (SecurityMiddleware), frame denial
(XFrameOptionsMiddleware + CSP frame-ancestors). See "Security" in settings.py.
"""

from django.conf import settings


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
