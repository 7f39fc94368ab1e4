// Form errors come back as 422 with the form re-rendered beside the fields: swap them in.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];
});
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("flash-error");
  if (!box) return;
  var xhr = event.detail.xhr;
  box.textContent = xhr.status === 403
    ? "You are not allowed to do that."
    : "Something went wrong (" + xhr.status + "). Nothing was changed.";
  box.hidden = false;
});
