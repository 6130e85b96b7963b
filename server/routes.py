"""The site map: every URL the gallery answers."""

from aiohttp import web

from server import views

ROUTES = [
    web.get("/", views.gallery, name="gallery"),
    web.get("/demos/{name}", views.demo_redirect),
    web.get("/demos/{name}/", views.demo_page, name="demo"),
    web.get("/demos/{name}/{path:.+}", views.demo_asset),
    web.get("/static/{path:.+}", views.static_file),
    web.get("/vendor/{package}/{path:.+}", views.vendor_file),
    web.get("/models/{model_id}/{path:.+}", views.model_file),
    web.get("/api/models", views.api_models),
    web.post("/api/prepare", views.api_prepare),
    web.get("/sw.js", views.service_worker),
]
