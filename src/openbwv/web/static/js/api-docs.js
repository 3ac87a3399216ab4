// Starts Swagger UI on /api/docs. A file, not an inline script: the Content-Security-Policy
// allows no inline script. No validator: it would send the description to another site.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
  });
});
