"""The progressive web app: web app manifest, service worker (/sw.js), offline page and the
generated icons and screenshots (pwa/assets.py)."""
