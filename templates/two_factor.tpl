{{%AUTOESCAPE context="HTML"}}
<h1>Two-step login</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Nothing was changed. Please correct the marked fields.</p>{{/HAS_ERRORS}}
{{#OFF}}<p class="lead">Two-step login is <strong>off</strong>: your password alone opens your account.</p>
<p>With it on, logging in asks for your password and then for a 6-digit code from an authenticator app on your phone (any app that reads a QR code: Aegis, FreeOTP, Google Authenticator, 1Password, …). Someone who learns your password cannot log in without your phone.</p>
<form method="post" action="{{BASE}}/profile/two-factor/start" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="current_password">Your password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required aria-describedby="current_password-hint{{#CURRENT_PASSWORD_ERROR}} current_password-error{{/CURRENT_PASSWORD_ERROR}}"{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true"{{/CURRENT_PASSWORD_ERROR}}>
<p class="hint" id="current_password-hint">Nothing changes until you enter a code from the app on the next page.</p>
{{#CURRENT_PASSWORD_ERROR}}<p class="error" id="current_password-error">{{CURRENT_PASSWORD_ERROR}}</p>{{/CURRENT_PASSWORD_ERROR}}
</div>
<button type="submit">Set up two-step login</button>
</form>{{/OFF}}
{{#ON}}<p class="lead">Two-step login is <strong>on</strong>: logging in asks for a code from your authenticator app after the password.</p>
<p>You have {{CODES_LEFT}} left.{{#FEW_CODES}} <strong>Make new ones soon:</strong> without your phone, a recovery code is the only way in.{{/FEW_CODES}}</p>
<section aria-labelledby="codes-heading">
<h2 id="codes-heading">New recovery codes</h2>
<p>Makes 10 new codes; the ones you have stop working.</p>
<form method="post" action="{{BASE}}/profile/two-factor/recovery-codes" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="codes_password">Your password</label>
<input id="codes_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#CODES_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="codes_password-error"{{/CODES_PASSWORD_ERROR}}>
{{#CODES_PASSWORD_ERROR}}<p class="error" id="codes_password-error">{{CODES_PASSWORD_ERROR}}</p>{{/CODES_PASSWORD_ERROR}}
</div>
<div class="field">
<label for="codes_code">Code from your authenticator app</label>
<input id="codes_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required data-passkey-step-up aria-describedby="codes_code-hint{{#CODES_CODE_ERROR}} codes_code-error{{/CODES_CODE_ERROR}}"{{#CODES_CODE_ERROR}} aria-invalid="true"{{/CODES_CODE_ERROR}}>
<p class="hint" id="codes_code-hint">The 6-digit code, or one of your recovery codes.</p>
{{#CODES_CODE_ERROR}}<p class="error" id="codes_code-error">{{CODES_CODE_ERROR}}</p>{{/CODES_CODE_ERROR}}
</div>
<button type="submit">Make new recovery codes</button>
</form>
</section>
<section aria-labelledby="off-heading">
<h2 id="off-heading">Turn two-step login off</h2>
<p>Your password alone will open your account again. We send a notice to {{EMAIL}}.</p>
<form method="post" action="{{BASE}}/profile/two-factor/off" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="off_password">Your password</label>
<input id="off_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#OFF_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="off_password-error"{{/OFF_PASSWORD_ERROR}}>
{{#OFF_PASSWORD_ERROR}}<p class="error" id="off_password-error">{{OFF_PASSWORD_ERROR}}</p>{{/OFF_PASSWORD_ERROR}}
</div>
<div class="field">
<label for="off_code">Code from your authenticator app</label>
<input id="off_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required data-passkey-step-up aria-describedby="off_code-hint{{#OFF_CODE_ERROR}} off_code-error{{/OFF_CODE_ERROR}}"{{#OFF_CODE_ERROR}} aria-invalid="true"{{/OFF_CODE_ERROR}}>
<p class="hint" id="off_code-hint">The 6-digit code, or one of your recovery codes.</p>
{{#OFF_CODE_ERROR}}<p class="error" id="off_code-error">{{OFF_CODE_ERROR}}</p>{{/OFF_CODE_ERROR}}
</div>
<button type="submit" class="secondary">Turn two-step login off</button>
</form>
</section>{{/ON}}
<p><a href="{{BASE}}/profile">Back to your profile</a></p>
