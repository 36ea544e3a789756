{{%AUTOESCAPE context="HTML"}}
<h1>Your recovery codes</h1>
{{#FIRST}}<p class="lead" role="status">Two-step login is <strong>on</strong>. Logging in now asks for a code from your app after the password.</p>{{/FIRST}}
{{#AGAIN}}<p class="lead" role="status">New recovery codes were made. The ones you had before no longer work.</p>{{/AGAIN}}
<p>If you lose your phone, each of these codes logs you in once in place of a code from the app. <strong>This is the only time they are shown:</strong> save them where you keep your passwords, or print them.</p>
<ul class="recovery-codes">
{{#CODE}}<li><code>{{VALUE}}</code></li>
{{/CODE}}</ul>
<form method="post" action="{{BASE}}/profile/two-factor/recovery-codes.txt">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="codes" value="{{ALL_CODES}}">
<button type="submit" class="secondary">Download as a text file</button>
</form>
<p><a href="{{BASE}}/profile/two-factor">I have saved them</a></p>
