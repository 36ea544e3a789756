{{%AUTOESCAPE context="HTML"}}
<h1>Where you are logged in</h1>
<p class="lead">Each row is a browser logged in to your account. If you do not recognise one, log it out, then change your password.</p>
<p>Two-step login is {{#TWO_FACTOR_ON}}<strong>on</strong>{{/TWO_FACTOR_ON}}{{#TWO_FACTOR_OFF}}<strong>off</strong>{{/TWO_FACTOR_OFF}} for your account (<a href="{{BASE}}/profile/two-factor">change</a>).</p>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Your sessions were not changed.</p>{{/HAS_ERRORS}}
{{#SESSION_ERROR}}<p class="error" id="session-error" role="alert">{{SESSION_ERROR}}</p>{{/SESSION_ERROR}}
{{#HAS_OTHERS}}<form id="end-sessions" method="post" action="{{BASE}}/profile/sessions/revoke-others" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="current_password">Your password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required aria-describedby="current_password-hint{{#CURRENT_PASSWORD_ERROR}} current_password-error{{/CURRENT_PASSWORD_ERROR}}"{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true"{{/CURRENT_PASSWORD_ERROR}}>
<p class="hint" id="current_password-hint">Needed to log out other sessions: type it, then log out all of them here, or one with its button in the table.</p>
{{#CURRENT_PASSWORD_ERROR}}<p class="error" id="current_password-error">{{CURRENT_PASSWORD_ERROR}}</p>{{/CURRENT_PASSWORD_ERROR}}
</div>
{{#TWO_FACTOR_ON}}<div class="field">
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required data-passkey-step-up aria-describedby="code-hint{{#CODE_ERROR}} code-error{{/CODE_ERROR}}"{{#CODE_ERROR}} aria-invalid="true"{{/CODE_ERROR}}>
<p class="hint" id="code-hint">Two-step login is on: the 6-digit code, or one of your recovery codes.</p>
{{#CODE_ERROR}}<p class="error" id="code-error">{{CODE_ERROR}}</p>{{/CODE_ERROR}}
</div>{{/TWO_FACTOR_ON}}
<button type="submit">Log out all other sessions</button>
</form>{{/HAS_OTHERS}}
<table class="sessions">
<caption>Your sessions, most recently used first</caption>
<thead>
<tr><th scope="col">Browser</th><th scope="col">Address</th><th scope="col">Logged in</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Session</span></th></tr>
</thead>
<tbody>
{{#SESSION}}<tr{{#CURRENT}} class="current"{{/CURRENT}}>
<th scope="row">{{BROWSER}}{{#PASSKEY}} <span class="tag">passkey</span>{{/PASSKEY}}</th>
<td>{{ADDRESS}}</td>
<td>{{STARTED}}</td>
<td>{{LAST_SEEN}}</td>
<td>{{#CURRENT}}<strong>This browser</strong>{{/CURRENT}}{{#OTHER}}<button type="submit" form="end-sessions" formaction="{{BASE}}/profile/sessions/revoke" name="session" value="{{ID}}" class="secondary">Log out<span class="visually-hidden"> {{BROWSER}}, {{ADDRESS}}</span></button>{{/OTHER}}</td>
</tr>
{{/SESSION}}</tbody>
</table>
{{#NO_OTHERS}}<p>You are logged in only in this browser.</p>{{/NO_OTHERS}}
<p><a href="{{BASE}}/profile">Back to your profile</a></p>
