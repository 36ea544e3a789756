// Progressive enhancement only: every page works without this file.
// - moves focus to the first field with an error;
// - adds a "Show password" toggle next to each password field;
// - says at once when a chosen picture is over its size limit, rather than
//   after uploading it (the server checks again);
// - passkeys (WebAuthn, which needs script): the login page's button and
//   autofill, making a passkey on /profile/passkeys, and a passkey in
//   place of a code that a form asks for again. The server checks every
//   answer; this only carries it.
(function () {
  "use strict";
  // ---- passkeys ----
  var b64 = {
    encode: function (buffer) {
      var s = "", bytes = new Uint8Array(buffer);
      for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
    decode: function (text) {
      var s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
      var bytes = new Uint8Array(s.length);
      for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      return bytes;
    }
  };
  function setField(form, name, value) { form.querySelector("[name=" + name + "]").value = value; }
  function csrf(form) { return form.querySelector("[name=csrf_token]").value; }
  // POST (urlencoded, with the form's CSRF token) and the JSON answer.
  function postJson(url, form, fields) {
    var body = new URLSearchParams(fields || {});
    body.set("csrf_token", csrf(form));
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) { var e = new Error(json.error || "refused"); e.fromSite = true; throw e; }
        return json;
      });
    });
  }
  function say(status, text) { status.textContent = text; status.hidden = !text; }
  function assertionFields(credential) {
    var r = credential.response;
    return {
      credential_id: b64.encode(credential.rawId),
      client_data: b64.encode(r.clientDataJSON),
      authenticator_data: b64.encode(r.authenticatorData),
      signature: b64.encode(r.signature),
      user_handle: r.userHandle ? b64.encode(r.userHandle) : ""
    };
  }
  function fillAndSubmit(form, fields) {
    Object.keys(fields).forEach(function (k) { setField(form, k, fields[k]); });
    form.submit();
  }
  var cancelled = "The passkey was not used. You can try again, or log in with your password.";

  function passkeyLogin(form) {
    var button = document.getElementById("passkey-login-button");
    var status = document.getElementById("passkey-login-status");
    var autofill = null;
    function get(mediation) {
      return postJson(form.getAttribute("data-challenge-url"), form).then(function (c) {
        var options = { publicKey: { challenge: b64.decode(c.challenge), userVerification: "required", allowCredentials: [] } };
        if (mediation) {
          autofill = new AbortController();
          options.mediation = mediation;
          options.signal = autofill.signal;
        }
        return navigator.credentials.get(options);
      }).then(function (credential) {
        if (credential) fillAndSubmit(form, assertionFields(credential));
      });
    }
    form.hidden = false;
    button.addEventListener("click", function () {
      if (autofill) autofill.abort();
      autofill = null;
      say(status, "");
      get(null).catch(function (e) {
        say(status, e && e.fromSite && e.message !== "refused" ? e.message : cancelled);
      });
    });
    // Passkey autofill in the email field, where the browser has it.
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (yes) {
        if (yes) get("conditional").catch(function () { /* aborted for the button, or dismissed */ });
      });
    }
  }

  function passkeyCreate(form) {
    var button = document.getElementById("passkey-create-button");
    var status = document.getElementById("passkey-create-status");
    button.addEventListener("click", function () {
      say(status, "");
      var exclude = (form.getAttribute("data-exclude") || "").split(" ").filter(Boolean);
      navigator.credentials.create({ publicKey: {
        challenge: b64.decode(form.getAttribute("data-challenge")),
        rp: { name: document.location.hostname },
        user: { id: b64.decode(form.getAttribute("data-user-id")), name: form.getAttribute("data-user-name"),
                displayName: form.getAttribute("data-display-name") },
        pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -8 }],
        excludeCredentials: exclude.map(function (id) { return { type: "public-key", id: b64.decode(id) }; }),
        authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
        attestation: "none"
      } }).then(function (credential) {
        fillAndSubmit(form, {
          credential_id: b64.encode(credential.rawId),
          client_data: b64.encode(credential.response.clientDataJSON),
          attestation_object: b64.encode(credential.response.attestationObject)
        });
      }).catch(function () {
        say(status, "No passkey was made (cancelled, timed out, or this device has one for your account already). You can try again.");
      });
    });
  }

  // A passkey in place of the code a form asks for again.
  function passkeyStepUp(input) {
    var form = input.form, base = document.body.getAttribute("data-base") || "";
    var button = document.createElement("button");
    var status = document.createElement("p");
    button.type = "button";
    button.className = "secondary passkey-step-up";
    button.textContent = "Use a passkey instead";
    status.className = "error";
    status.id = input.id + "-passkey-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    (input.parentNode.querySelector(".hint") || input).insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);
    button.addEventListener("click", function () {
      say(status, "");
      postJson(base + "/profile/passkeys/challenge", form).then(function (c) {
        return navigator.credentials.get({ publicKey: {
          challenge: b64.decode(c.challenge), userVerification: "required",
          allowCredentials: c.credentials.map(function (id) { return { type: "public-key", id: b64.decode(id) }; })
        } });
      }).then(function (credential) {
        return postJson(base + "/profile/passkeys/confirm", form, assertionFields(credential));
      }).then(function (answer) {
        input.value = answer.grant;
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }).catch(function (e) {
        say(status, e && e.fromSite && e.message !== "refused" ? e.message : cancelled.replace(" or log in with your password", " or type the code"));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.PublicKeyCredential && navigator.credentials) {
      var login = document.getElementById("passkey-login");
      if (login) passkeyLogin(login);
      var create = document.getElementById("passkey-create");
      if (create) passkeyCreate(create);
      Array.prototype.forEach.call(document.querySelectorAll("input[data-passkey-step-up]"), passkeyStepUp);
    }
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
