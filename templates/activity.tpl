{{%AUTOESCAPE context="HTML"}}
<h1>Your account's activity</h1>
<p class="lead">What happened to your account recently: logins, changes and refusals, with the address and browser they came from. If you do not recognise something, <a href="{{BASE}}/profile">change your password</a> and <a href="{{BASE}}/profile/sessions">log out the sessions</a> you do not know.</p>
<p>The site keeps these for {{DAYS}} days.</p>
{{#HAS_EVENTS}}<table class="sessions activity">
<caption>Your account's events, newest first</caption>
<thead>
<tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Result</th><th scope="col">Address</th><th scope="col">Browser</th></tr>
</thead>
<tbody>
{{#EVENT}}<tr>
<td>{{WHEN}}</td>
<th scope="row">{{WHAT}}{{#BY_ADMIN}} (by the site's administrator){{/BY_ADMIN}}</th>
<td>{{#NOT_OK}}<strong>{{/NOT_OK}}{{OUTCOME}}{{#NOT_OK}}</strong>{{/NOT_OK}}</td>
<td>{{ADDRESS}}</td>
<td>{{BROWSER}}</td>
</tr>
{{/EVENT}}</tbody>
</table>{{/HAS_EVENTS}}
{{#NO_EVENTS}}<p>Nothing recorded yet.</p>{{/NO_EVENTS}}
<p><a href="{{BASE}}/profile">Back to your profile</a></p>
