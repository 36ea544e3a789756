// Progressive enhancement only: every page works without this file.
// - moves focus to the first field with an error;
// - adds a "Show password" toggle next to each password field;
// - says at once when a chosen picture is over its size limit, rather than
//   after uploading it (the server checks again).
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
    var uploads = document.querySelectorAll("input[type=file][data-max-bytes]");
    Array.prototype.forEach.call(uploads, function (input) {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var note = document.createElement("p");
      note.className = "error";
      note.id = input.id + "-size-error";
      note.textContent = input.getAttribute("data-too-large");
      note.hidden = true;
      (input.parentNode.querySelector(".hint") || input).insertAdjacentElement("afterend", note);
      var described = input.getAttribute("aria-describedby") || "";
      var tooLarge = function () {
        return input.files && input.files.length > 0 && input.files[0].size > max;
      };
      var show = function () {
        var big = tooLarge();
        note.hidden = !big;
        input.setAttribute("aria-describedby", big ? described + " " + note.id : described);
        if (big) input.setAttribute("aria-invalid", "true");
        else if (!/-error/.test(described)) input.removeAttribute("aria-invalid");
        return big;
      };
      input.addEventListener("change", show);
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          if (show()) {
            event.preventDefault();
            input.focus();
          }
        });
      }
    });
  });
})();
