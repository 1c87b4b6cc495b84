import type { MessageKey } from './en';

// Dutch messages. The Record type makes a missing key a type error.
export const nl: Record<MessageKey, string> = {
  'app.name': 'Leadbench',
  'app.tagline': 'Lokale werkplaats voor leadgeneratie',

  'nav.pipeline': 'Pijplijn',
  'nav.leads': 'Leads',
  'nav.scoring': 'Scoring',
  'nav.nurture': 'Nurturing',
  'nav.dashboard': 'Dashboard',
  'nav.settings': 'Instellingen',
  'nav.label': 'Hoofdnavigatie',

  'stage.new': 'Nieuw',
  'stage.mql': 'MQL',
  'stage.warm': 'Warm',
  'stage.sql': 'SQL',
  'stage.customer': 'Klant',
  'stage.disqualified': 'Afgewezen',

  'welcome.title': 'Welkom bij Leadbench',
  'welcome.body':
    'Je leaddatabase is nog leeg. Laad demogegevens om elk scherm te verkennen, of importeer je bestaande leads uit een CSV-bestand.',
  'welcome.demo': 'Demogegevens laden',
  'welcome.demoHint': '2.000 leads met een jaar geschiedenis, campagnes, activiteiten en deals.',
  'welcome.import': 'CSV importeren',
  'welcome.importHint': 'Webformulieren, CRM-exports, beursscanners.',
  'welcome.importSoon':
    'De wizard voor CSV-import komt in de volgende versie. Gebruik tot die tijd demogegevens of het opdrachtregelprogramma leadbench.',
  'welcome.loading': 'Demogegevens worden gemaakt…',
  'welcome.loaded': 'Demogegevens geladen: {leads} leads, {accounts} bedrijven, {events} activiteiten.',
  'welcome.privacy': 'Alles blijft op deze computer in {path}.',

  'leads.title': 'Leads',
  'leads.count': '{count} leads',
  'leads.search': 'Zoek op naam, e-mail of bedrijf',
  'leads.allStages': 'Alle fasen',
  'leads.stageFilter': 'Fase',
  'leads.col.name': 'Naam',
  'leads.col.email': 'E-mail',
  'leads.col.company': 'Bedrijf',
  'leads.col.jobTitle': 'Functie',
  'leads.col.source': 'Kanaal',
  'leads.col.stage': 'Fase',
  'leads.col.score': 'Score',
  'leads.col.created': 'Aangemaakt',
  'leads.sortBy': 'Sorteer op {column}',
  'leads.empty': 'Geen leads gevonden voor deze zoekopdracht.',
  'leads.loadingRows': 'Laden…',
  'leads.noName': '(geen naam)',

  'pipeline.title': 'Pijplijn',
  'pipeline.intro':
    'Waar elke lead vandaag staat. Kaarten slepen, filters en het leadpaneel komen met het pijplijnbord.',
  'pipeline.leads': '{count} leads',
  'pipeline.share': '{percent} van alle leads',

  'scoring.title': 'Scoring',
  'scoring.intro':
    'Hier komen de fit- en gedragsregels, en de drempels voor MQL, Warm en SQL die je afstemt op echte resultaten.',

  'nurture.title': 'Nurturing',
  'nurture.intro': 'Hier komen de opvolgreeksen op basis van gedrag, die je zelf ontwerpt, simuleert en uitvoert.',

  'dashboard.title': 'Dashboard',
  'dashboard.intro':
    'De KPI’s voor leadgeneratie met grafieken en filters komen met het KPI-dashboard. Voor nu: de omvang van je pijplijn.',
  'dashboard.leads': 'Leads',
  'dashboard.accounts': 'Bedrijven',
  'dashboard.campaigns': 'Campagnes',
  'dashboard.events': 'Activiteiten',
  'dashboard.chartTitle': 'Leads per fase',
  'dashboard.chartAlt': 'Staafdiagram van het aantal leads in elke fase',

  'settings.title': 'Instellingen',
  'settings.language': 'Taal',
  'settings.languageSystem': 'Systeemstandaard ({language})',
  'settings.currency': 'Valuta',
  'settings.timeZone': 'Tijdzone',
  'settings.timeZoneSystem': 'Systeemstandaard ({zone})',
  'settings.database': 'Databasebestand',
  'settings.databaseHint': 'Al je leads staan in dit ene bestand op deze computer.',
  'settings.openOther': 'Andere database openen…',
  'settings.openOtherTitle': 'Een Leadbench-database openen',
  'settings.backup': 'Nu een back-up maken…',
  'settings.backupTitle': 'Een back-up van de database opslaan',
  'settings.backupDone': 'Back-up opgeslagen in {path}.',
  'settings.opened': '{path} geopend.',
  'settings.saved': 'Instellingen opgeslagen.',
  'settings.about': 'Over',
  'settings.version': 'Leadbench {version}',

  'language.en': 'English',
  'language.nl': 'Nederlands',

  'error.title': 'Er ging iets mis',
  'error.dismiss': 'Sluiten',
  'error.database_too_new': 'Deze database is gemaakt met een nieuwere versie van Leadbench.',
  'error.database_open': 'Het databasebestand kon niet worden geopend.',
  'error.not_a_database': 'Dit bestand is geen Leadbench-database.',
  'error.busy': 'De database is bezet in een ander venster of opdracht. Probeer het zo opnieuw.',
  'error.invalid_input': 'Een deel van de invoer is ongeldig.',
  'error.not_found': 'Niet gevonden.',
  'error.io': 'Een bestand kon niet worden gelezen of geschreven.',
  'error.internal': 'Er trad een onverwachte fout op.',
  'error.noDatabase': 'Er is geen database geopend. Open een andere database via Instellingen.',

  'common.close': 'Sluiten',
};
