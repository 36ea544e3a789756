// Progressive enhancement only: every page works without this file.
// - moves focus to the first field with an error;
// - adds a "Show password" toggle next to each password field.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
    var fields = document.querySelectorAll("input[type=password]");
    Array.prototype.forEach.call(fields, function (input) {
      if (input.hidden) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "toggle-password";
      button.textContent = "Show password";
      button.setAttribute("aria-controls", input.id);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.textContent = show ? "Hide password" : "Show password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
      });
      input.insertAdjacentElement("afterend", button);
    });
  });
})();
